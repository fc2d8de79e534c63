import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminGuard } from '../auth/admin.guard';
import { ApiKeysService } from '../auth/api-keys.service';
import { CandlesService } from './candles.service';
import { INTERVAL_US } from './candles';
import type { Candle } from './candles';
import { CandleQuery, CreateInstrumentDto, SetSourceDto } from './dto/instrument.dto';
import { InstrumentsService } from './instruments.service';
import { MarketError, MarketErrorCode } from './market-errors';
import { nowMicros } from './quote';
import type { InstrumentInfo } from './quote';

export interface InstrumentView extends InstrumentInfo {
  /** Who publishes its prices now (a publisher's key id is not disclosed). */
  source: 'simulator' | 'replay' | 'publisher';
}

export interface CandleView {
  start: string;
  startTimeUs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  count: number;
  closed: boolean;
}

@ApiTags('instruments')
@Controller('v1/instruments')
export class InstrumentsController {
  constructor(
    private readonly instruments: InstrumentsService,
    private readonly candles: CandlesService,
  ) {}

  @Get()
  @ApiOkResponse({ description: 'The live instrument catalogue' })
  list(): InstrumentView[] {
    return this.instruments.all().map((i) => this.view(i));
  }

  @Get(':symbol')
  get(@Param('symbol') symbol: string): InstrumentView {
    return this.view(this.live(symbol));
  }

  @Get(':symbol/candles')
  @ApiOkResponse({ description: 'Candles oldest first, prices in minor units; `next` is the `from` of the next page (null on the last)' })
  async candleHistory(@Param('symbol') symbol: string, @Query() query: CandleQuery): Promise<{ symbol: string; interval: string; candles: CandleView[]; next: string | null }> {
    this.live(symbol);
    const length = INTERVAL_US[query.interval];
    const limit = query.limit ?? 500;
    const toUs = query.to ? Date.parse(query.to) * 1000 : nowMicros() + 1;
    const fromUs = query.from ? Date.parse(query.from) * 1000 : toUs - limit * length;
    if (!(fromUs < toUs)) throw new MarketError(MarketErrorCode.InvalidRange, '`from` must be before `to`');
    const candles = await this.candles.range(symbol, query.interval, fromUs, toUs, limit);
    const last = candles[candles.length - 1];
    const next = candles.length === limit && last.startUs + 1 < toUs ? new Date((last.startUs + length) / 1000).toISOString() : null;
    return { symbol, interval: query.interval, candles: candles.map(candleView), next };
  }

  private live(symbol: string): InstrumentInfo {
    const instrument = this.instruments.get(symbol);
    if (!instrument) throw new MarketError(MarketErrorCode.InstrumentNotFound, `no live instrument ${symbol}`);
    return instrument;
  }

  private view(i: InstrumentInfo): InstrumentView {
    const source = this.instruments.sourceOf(i.symbol);
    return { ...i, source: typeof source === 'object' ? 'publisher' : (source ?? 'simulator') };
  }
}

/** Adding and retiring instruments, and choosing who publishes each: the operator's API. */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminGuard)
@Controller('v1/admin/instruments')
export class AdminInstrumentsController {
  constructor(
    private readonly instruments: InstrumentsService,
    private readonly keys: ApiKeysService,
  ) {}

  @Post()
  async add(@Body() dto: CreateInstrumentDto): Promise<InstrumentInfo> {
    if (!(await this.instruments.add(dto))) throw new MarketError(MarketErrorCode.InstrumentExists, `${dto.symbol} is live already`);
    return { ...dto, candleSource: dto.candleSource ?? 'trades' };
  }

  /** The one source allowed to publish the symbol from now on. */
  @Put(':symbol/source')
  @HttpCode(204)
  async setSource(@Param('symbol') symbol: string, @Body() dto: SetSourceDto): Promise<void> {
    if (!this.instruments.get(symbol)) throw new MarketError(MarketErrorCode.InstrumentNotFound, `no live instrument ${symbol}`);
    if (dto.source === 'publisher') {
      const key = await this.keys.get(dto.keyId!);
      if (!key || key.revokedAt || !key.scopes.includes('feed:publish') || !key.publishSymbols.includes(symbol)) {
        throw new MarketError(MarketErrorCode.InvalidSource, `key ${dto.keyId} is not a live feed:publish key for ${symbol}`);
      }
    }
    await this.instruments.setSource(symbol, dto.source === 'simulator' ? 'simulator' : { keyId: dto.keyId! });
  }

  /** Retires the instrument: its streams end with InstrumentRetired. */
  @Delete(':symbol')
  @HttpCode(204)
  async retire(@Param('symbol') symbol: string): Promise<void> {
    if (!(await this.instruments.retire(symbol))) throw new MarketError(MarketErrorCode.InstrumentNotFound, `no live instrument ${symbol}`);
  }
}

function candleView(c: Candle): CandleView {
  return {
    start: new Date(c.startUs / 1000).toISOString(), startTimeUs: c.startUs, open: c.open, high: c.high, low: c.low,
    close: c.close, volume: c.volume, count: c.count, closed: c.closed,
  };
}
