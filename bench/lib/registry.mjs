/**
 * Starts CNCF distribution (Debian's `docker-registry`) for the benchmark: plain HTTP on
 * 127.0.0.1 with a free port, filesystem storage in a private temp dir, deletes enabled, access
 * log off (so logging does not cost the registry CPU that the clients compete for).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { makeTempDir, removeTempDir, trackPid, untrackPid } from './cleanup.mjs';

export const DISTRIBUTION_BINARY = '/usr/bin/docker-registry';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function probe(port) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/v2/', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/**
 * Starts the registry and waits until `GET /v2/` answers. Returns `{ host, url, pid, dir, stop }`;
 * `stop()` sends SIGTERM to that PID (SIGKILL after 3 s) and removes the temp dir.
 */
export async function startRegistry() {
  const dir = makeTempDir('registry');
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  for (let attempt = 1; attempt <= 5; attempt++) {
    const port = await freePort();
    const config = {
      version: 0.1,
      log: { level: 'warn', accesslog: { disabled: true } },
      storage: {
        filesystem: { rootdirectory: dataDir },
        delete: { enabled: true },
        cache: { blobdescriptor: 'inmemory' },
        maintenance: { uploadpurging: { enabled: false } },
      },
      http: { addr: `127.0.0.1:${port}`, secret: randomBytes(16).toString('hex') },
    };
    // JSON is valid YAML, so no YAML writer is needed.
    const configPath = join(dir, 'config.yml');
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    const child = spawn(DISTRIBUTION_BINARY, ['serve', configPath], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk) => {
      output = (output + chunk).slice(-16_384);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let exited = false;
    const exitedPromise = new Promise((resolve) => child.once('exit', () => resolve((exited = true))));
    child.once('error', (error) => keep(String(error)));
    if (child.pid === undefined) throw new Error(`could not start ${DISTRIBUTION_BINARY}: ${output}`);
    trackPid(child.pid);

    const deadline = Date.now() + 15_000;
    let ready = false;
    while (!exited && Date.now() < deadline) {
      const status = await probe(port);
      if (status === 200) {
        ready = !exited;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const stop = async () => {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exitedPromise;
        clearTimeout(timer);
      }
      untrackPid(child.pid);
    };
    if (ready) {
      return {
        host: `127.0.0.1:${port}`,
        url: `http://127.0.0.1:${port}`,
        pid: child.pid,
        dir,
        output: () => output,
        async stop() {
          await stop();
          removeTempDir(dir);
        },
      };
    }
    await stop();
    if (!/address already in use/i.test(output)) {
      removeTempDir(dir);
      throw new Error(`docker-registry did not start:\n${output.trim()}`);
    }
  }
  removeTempDir(dir);
  throw new Error('docker-registry did not start: no free port after 5 attempts');
}
