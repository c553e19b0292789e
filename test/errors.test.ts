import { describe, expect, it } from 'vitest';

import { DataFormatError, isDmclError } from '../src/errors.js';

describe('errors', () => {
  it('name the file and the problem', () => {
    const error = new DataFormatError('a.pts', 'expected 68 points, found 67');
    expect(error.message).toBe('a.pts: expected 68 points, found 67');
    expect(isDmclError(error)).toBe(true);
    expect(isDmclError(new Error('x'))).toBe(false);
  });
});
