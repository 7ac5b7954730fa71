import { closeLeftovers } from './leftovers';

// After every test file (jest setupFilesAfterEnv): close what the file left open, see leftovers.ts. This hook
// may run before a file's own top-level afterAll (hooks of one block run in order); closing is idempotent.
afterAll(() => closeLeftovers(), 120_000);
