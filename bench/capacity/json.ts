/**
 * The capacity bench's json phase (`--phase=json`, issue #12 (c)): the JSON subprotocol,
 * `bidtape.v1.json`. BTC-USD at every update at each offered rate; bidtape with protobuf
 * clients, bidtape with JSON clients (text frames of the protobuf JSON mapping, built once
 * per tick and shared), and the bare `ws` loop a JSON service would write: each tick
 * JSON.stringify'd once into the same text and sent as a string to every client
 * (bench/bare-ws-server.ts, BARE_ENCODING=json).
 */
import { formatJson, jsonGoal } from './json-report';
import { everyUpdatePoints, sweep } from './sweep';
import type { CapacityPhaseRunner } from './sweep';
import { measureJsonBytes } from './wire-bytes';

export const jsonPhase: CapacityPhaseRunner = {
  describe: (config) => `BTC-USD at ${config.jsonRates.join(', ')} ticks/s`,
  async run(context) {
    const { config } = context;
    const bytes = measureJsonBytes(config.seed);
    const points = await sweep(context, everyUpdatePoints(config, config.jsonRates));
    const goal = jsonGoal(points);
    return { report: formatJson(points, config, goal, bytes), results: { points, goal, jsonBytes: bytes } };
  },
};
