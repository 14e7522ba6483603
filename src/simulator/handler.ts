import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { serverNow, type SimulatorContext } from './context.js';
import { hexId } from './ids.js';
import { parseTarget, underBasePath, type RequestTarget } from './request-target.js';
import { apiNotFound, evsError, gatewayError, httpDate, throttled, type Reply } from './responses.js';
import { matchRoute, type Route } from './routes.js';
import { showJob } from './show-job.js';
import { createVolume, deleteVolume, volumeAction } from './volume-api.js';

/** A request read in full, with what the pipeline needs to answer it. */
interface Incoming {
  readonly method: string;
  readonly target: RequestTarget;
  readonly route: Route;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly requestId: string;
  /** Aborts when the client hangs up before the answer. */
  readonly gone: AbortSignal;
}

/** The `http.Server` request listener: reads, answers and counts every request; never throws. */
export function createRequestListener(context: SimulatorContext): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    void handle(context, request, response);
  };
}

async function handle(context: SimulatorContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const time = context.clock.wallNow();
  const method = request.method ?? 'GET';
  const target = parseTarget(request.url ?? '/');
  const route = matchRoute(method, underBasePath(target.path, context.basePath));
  const requestId = hexId(context.random);
  const jobId = route.name === 'showJob' ? { jobId: route.resourceId } : {};
  context.stats.begin(route.name, jobId.jobId);
  // A client that gave up closes the connection: a delayed answer stops waiting (and counting), as a real server's would.
  const gone = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) gone.abort();
  });
  let reply: Reply;
  try {
    reply = await answer(context, { method, target, route, headers: request.headers, body: await readBody(request), requestId, gone: gone.signal });
  } catch {
    reply = evsError(500, 'EVS.5000', 'internal server error');
  }
  const status = send(context, response, reply, requestId);
  context.stats.end({ method, rawPath: target.rawPath, route: route.name, status, time, ...jobId });
}

/** The gateway's order: authenticate, rate-limit, route, then the service answers. */
async function answer(context: SimulatorContext, incoming: Incoming): Promise<Reply> {
  const { route, requestId } = incoming;
  const denied = context.auth?.check(incoming, serverNow(context));
  if (denied !== undefined) {
    context.stats.authFailure();
    return gatewayError(401, 'APIGW.0301', `Incorrect IAM authentication information: ${denied}`, requestId);
  }
  if (!context.faults.admit(context.clock.monotonicNow())) {
    context.stats.fault('rateLimit');
    return throttled(context.faults.throttleLimit, context.faults.retryAfter, requestId);
  }
  if (route.name === 'unknown') return apiNotFound(requestId);
  if (route.projectId !== context.projectId) {
    return gatewayError(403, 'APIGW.0302', 'The IAM user is not authorized to access the API: project id mismatch', requestId);
  }
  switch (route.name) {
    case 'showJob':
      return showJob(context, route.resourceId, requestId, incoming.gone);
    case 'createVolume':
      return createVolume(context, incoming.body);
    case 'volumeAction':
      return volumeAction(context, route.resourceId, incoming.body);
    case 'deleteVolume':
      return deleteVolume(context, route.resourceId);
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Writes `reply`; returns the status sent, 0 for a reset. */
function send(context: SimulatorContext, response: ServerResponse, reply: Reply, requestId: string): number {
  if (reply.kind === 'reset') {
    response.socket?.destroy();
    return 0;
  }
  response.writeHead(reply.status, {
    'Content-Type': 'application/json',
    // Counted from what is sent, so a truncated body is still a well-formed HTTP message.
    'Content-Length': Buffer.byteLength(reply.body),
    'X-Request-Id': requestId,
    Date: httpDate(serverNow(context)),
    ...(reply.retryAfter !== undefined && { 'Retry-After': String(reply.retryAfter) }),
  });
  response.end(reply.body);
  return reply.status;
}
