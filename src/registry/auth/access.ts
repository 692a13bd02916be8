import type { Route } from '../router.js';

/** One resource and the actions a request needs on it, in the token-auth scope model. */
export interface Access {
  type: 'repository' | 'registry';
  name: string;
  actions: string[];
}

/** The access a request needs: `pull` to read, `push` to write, `delete` to delete, `registry:catalog:*` to list repositories; a mount also needs `pull` on `from`. */
export function requiredAccess(route: Route, method: string, query: URLSearchParams): Access[] {
  const repository = (name: string, action: string): Access => ({ type: 'repository', name, actions: [action] });
  const readOrWrite = (name: string): Access =>
    repository(name, method === 'GET' || method === 'HEAD' ? 'pull' : method === 'DELETE' ? 'delete' : 'push');
  switch (route.kind) {
    case 'base':
    case 'token':
    case 'unknown':
      return [];
    case 'catalog':
      return [{ type: 'registry', name: 'catalog', actions: ['*'] }];
    case 'upload-start': {
      const access = [repository(route.name, 'push')];
      const from = query.get('from');
      if (query.has('mount') && from && from !== route.name) access.push(repository(from, 'pull'));
      return access;
    }
    case 'upload':
      return [repository(route.name, 'push')];
    case 'blob':
    case 'manifest':
    case 'tags':
    case 'referrers':
      return [readOrWrite(route.name)];
  }
}

/** Formats access as a `scope` value; a push is advertised as `pull,push`, which is what clients ask for. */
export function formatScope(access: Access[]): string {
  return access
    .map((a) => {
      const actions = a.actions.includes('push') && !a.actions.includes('pull') ? ['pull', ...a.actions] : a.actions;
      return `${a.type}:${a.name}:${actions.join(',')}`;
    })
    .join(' ');
}

/** Parses `scope` values (`type:name:action,action`, several per value separated by spaces); malformed ones are ignored. */
export function parseScopes(values: string[]): Access[] {
  const result: Access[] = [];
  for (const value of values) {
    for (const scope of value.split(' ')) {
      const first = scope.indexOf(':');
      const last = scope.lastIndexOf(':');
      if (first <= 0 || last <= first) continue;
      const type = scope.slice(0, first);
      if (type !== 'repository' && type !== 'registry') continue;
      const actions = scope
        .slice(last + 1)
        .split(',')
        .filter((a) => a !== '');
      result.push({ type, name: scope.slice(first + 1, last), actions });
    }
  }
  return result;
}
