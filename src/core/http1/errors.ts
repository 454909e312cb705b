/** Why an exchange failed; socket and TLS failures stay node's own errors (with their `code`). */
export type Http1Failure =
  | 'malformed' // the response breaks RFC 9112 framing
  | 'head-too-large' // status line + headers over MAX_HEAD
  | 'closed' // the connection ended before the whole response
  | 'timeout' // no whole response within timeoutMs
  | 'bad-request'; // the caller's method or header would not be a valid (unsplittable) request

/** A plain typed failure of the shared HTTP/1.1 client: callers translate it at their own edge. */
export class Http1Error extends Error {
  constructor(
    readonly kind: Http1Failure | 'too-large',
    message: string,
  ) {
    super(message);
    this.name = 'Http1Error';
  }
}

/** A response body over the request's maxBytes (`size`: declared length, or bytes received so far). */
export class TooLarge extends Http1Error {
  constructor(readonly size: number) {
    super('too-large', `response body of ${size} bytes over the limit`);
    this.name = 'TooLarge';
  }
}
