import { EvsError } from './evs-error.js';

/** The token provider failed or returned no token; `cause` holds its error. */
export class CredentialsError extends EvsError {
  constructor(cause: unknown) {
    super('EVS_CREDENTIALS', 'the token provider failed', { cause });
  }
}
