/**
 * A feature's error: a stable code from the feature's own enum and a message for people. Each
 * transport maps codes to what its clients see in one place (src/http/http-errors.ts for HTTP).
 */
export abstract class CodedError<C extends string> extends Error {
  constructor(
    readonly code: C,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
