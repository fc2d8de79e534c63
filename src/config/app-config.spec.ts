import { ConfigError, loadConfig } from './app-config';

describe(loadConfig.name, () => {
  it('applies defaults when nothing is set', () => {
    const { env } = loadConfig({});
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.DEFLATE_ENABLED).toBe(true);
    expect(env.DEFAULT_MAX_RATE).toBe(10);
  });

  it('parses typed values', () => {
    const { env } = loadConfig({ PORT: '8080', DEFLATE_ENABLED: 'false', SIM_SYMBOLS: 'btc-usd, AAPL,' });
    expect(env.PORT).toBe(8080);
    expect(env.DEFLATE_ENABLED).toBe(false);
    expect(env.SIM_SYMBOLS).toEqual(['BTC-USD', 'AAPL']);
  });

  it.each([
    ['PORT', 'abc', /PORT must be an integer between 0 and 65535 \(got "abc"\)/],
    ['PORT', '70000', /PORT must be an integer between 0 and 65535/],
    ['DEFLATE_WINDOW_BITS', '8', /DEFLATE_WINDOW_BITS must be an integer between 9 and 15/],
    ['DEFLATE_ENABLED', 'yes', /DEFLATE_ENABLED must be one of true, false, 1, 0/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL/],
  ])('rejects %s=%s naming the variable', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('reports every bad variable at once', () => {
    try {
      loadConfig({ PORT: 'x', MAX_RATE: '0' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toHaveLength(2);
    }
  });

  it('checks values against each other', () => {
    expect(() => loadConfig({ SLOW_CONSUMER_SOFT_BYTES: '4096', SLOW_CONSUMER_HARD_BYTES: '2048' })).toThrow(
      /SLOW_CONSUMER_HARD_BYTES must be >= SLOW_CONSUMER_SOFT_BYTES/,
    );
  });
});
