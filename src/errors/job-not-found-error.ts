import { HttpError, type HttpErrorOptions } from './http-error.js';

/**
 * The service does not know the job: EVS answers HTTP 400 `Common.0011`,
 * some gateways 404. A job just created can be invisible for a moment.
 */
export class JobNotFoundError extends HttpError {
  override readonly retryable = false;
  /** The job id that was asked for. */
  readonly jobId: string;

  constructor(jobId: string, options: HttpErrorOptions) {
    super(options, 'EVS_JOB_NOT_FOUND', `job ${jobId} not found (HTTP ${options.status}${options.serviceCode === undefined ? '' : ` ${options.serviceCode}`})`);
    this.jobId = jobId;
  }
}
