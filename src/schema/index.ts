export * from './tables.ts';
export * from './activities.ts';
export * from './matrix.ts';
export * from './estimator.ts';
export * from './lexicon.ts';
export * from './derived-sql.ts';
export * from './sum-sql.ts';
