/** Where shared fixtures live: `<tmpdir>/<prefix><vitest pid>-<leads>-<seed>` (test/global-setup.ts cleans up). */
export const SHARED_PREFIX = 'leadscore-shared-fixture-';
