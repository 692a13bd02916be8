/**
 * Preload (`node --import bench/lib/trace-loads.mjs …`) that registers module hooks which append
 * the URL of every module the ESM loader loads to the file named by MP_BENCH_LOADS.
 */
import { register } from 'node:module';

register('./trace-hooks.mjs', import.meta.url, { data: { out: process.env.MP_BENCH_LOADS } });
