/** A tiny typed event emitter that works in browsers and Node alike. */
export class Emitter<Events extends Record<string, unknown>> {
  private readonly listeners: { [K in keyof Events]?: ((payload: Events[K]) => void)[] } = {};

  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): () => void {
    (this.listeners[event] ??= []).push(listener);
    return () => {
      const list = this.listeners[event]!;
      list.splice(list.indexOf(listener) >>> 0, 1);
    };
  }

  protected emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    for (const listener of this.listeners[event] ?? []) listener(payload);
  }
}
