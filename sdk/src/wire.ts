import type { ClientMessageInit } from './messages';

/** What the feeds need from the connection: send a message now (false when not connected), new request ids. */
export interface Wire {
  write(message: ClientMessageInit): boolean;
  newId(): number;
}
