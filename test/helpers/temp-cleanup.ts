/**
 * vitest setup file: after each test file (its own afterAll hooks, which stop its daemons, run
 * first), the temporary directories it made with tempDir are removed.
 */
import { afterAll } from 'vitest';
import { removeTempDirs } from './paths.js';

afterAll(() => removeTempDirs());
