export { startAllInOne } from './all-in-one.ts';
export type { RunningPlenum, AllInOneOptions } from './all-in-one.ts';
