import { describe, expect, it } from 'vitest';
import { describeFailure } from '../../src/model/fail-reason.js';

describe('describeFailure', () => {
  it('joins the error code and the reason, or gives whichever the job has', () => {
    expect(describeFailure({ errorCode: 'EVS.2024', failReason: 'volume quota exceeded' })).toBe('EVS.2024: volume quota exceeded');
    expect(describeFailure({ errorCode: 'EVS.2024' })).toBe('EVS.2024');
    expect(describeFailure({ failReason: 'volume quota exceeded', errorCode: null })).toBe('volume quota exceeded');
  });

  it('says nothing when neither is there (absent, null or empty)', () => {
    expect(describeFailure({})).toBeUndefined();
    expect(describeFailure({ errorCode: null, failReason: '' })).toBeUndefined();
  });
});
