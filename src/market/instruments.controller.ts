import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/api-auth';
import { ApiKeysService } from '../auth/api-keys.service';
import { ApiErrors, BODY_ERRORS } from '../http/api-errors';
import { CandlesService } from './candles.service';
import { INTERVAL_US } from './candles';
import type { Candle } from './candles';
import { CandleQuery, CreateInstrumentDto, SetSourceDto } from './dto/instrument.dto';
import { CandleHistoryDto, CandleViewDto, InstrumentInfoDto, InstrumentViewDto } from './dto/instrument-view.dto';
import { InstrumentsService } from './instruments.service';
import { MarketError, MarketErrorCode } from './market-errors';
import { nowMicros } from './quote';
import type { InstrumentInfo } from './quote';

@ApiTags('instruments')
@Controller('v1/instruments')
export class InstrumentsController {
  constructor(
    private readonly instruments: InstrumentsService,
    private readonly candles: CandlesService,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'listInstruments', summary: 'The live instrument catalogue' })
  @ApiOkResponse({ type: [InstrumentViewDto], description: 'Every live instrument' })
  list(): InstrumentViewDto[] {
    return this.instruments.all().map((i) => this.view(i));
  }

  @Get(':symbol')
  @ApiOperation({ operationId: 'getInstrument', summary: 'One live instrument' })
  @ApiOkResponse({ type: InstrumentViewDto, description: 'The instrument' })
  @ApiErrors(MarketErrorCode.InstrumentNotFound)
  get(@Param('symbol') symbol: string): InstrumentViewDto {
    return this.view(this.live(symbol));
  }

  @Get(':symbol/candles')
  @ApiOperation({ operationId: 'listCandles', summary: "A page of a symbol's candles" })
  @ApiOkResponse({ type: CandleHistoryDto, description: 'Candles oldest first, prices in minor units; `next` is the `from` of the next page (null on the last)' })
  @ApiErrors(MarketErrorCode.InstrumentNotFound, MarketErrorCode.InvalidRange, { invalid: ['interval must be one of the following values: 1s, 1m, 5m, 1h, 1d'] })
  async candleHistory(@Param('symbol') symbol: string, @Query() query: CandleQuery): Promise<CandleHistoryDto> {
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

  private view(i: InstrumentInfo): InstrumentViewDto {
    const source = this.instruments.sourceOf(i.symbol);
    return Object.assign({}, i, { source: typeof source === 'object' ? ('publisher' as const) : (source ?? ('simulator' as const)) });
  }
}

/** Adding and retiring instruments, and choosing who publishes each: the operator's API. */
@ApiTags('admin')
@AdminOnly()
@Controller('v1/admin/instruments')
export class AdminInstrumentsController {
  constructor(
    private readonly instruments: InstrumentsService,
    private readonly keys: ApiKeysService,
  ) {}

  @Post()
  @ApiOperation({ operationId: 'addInstrument', summary: 'Adds an instrument to the catalogue' })
  @ApiCreatedResponse({ type: InstrumentInfoDto, description: 'The instrument added; its source is `simulator` until one is set' })
  @ApiErrors(...BODY_ERRORS, MarketErrorCode.InstrumentExists, { invalid: ['symbol must match /^[A-Z0-9][A-Z0-9._-]{0,31}$/ regular expression'] })
  async add(@Body() dto: CreateInstrumentDto): Promise<InstrumentInfoDto> {
    if (!(await this.instruments.add(dto))) throw new MarketError(MarketErrorCode.InstrumentExists, `${dto.symbol} is live already`);
    return Object.assign({}, dto, { candleSource: dto.candleSource ?? ('trades' as const) });
  }

  @Put(':symbol/source')
  @HttpCode(204)
  @ApiOperation({ operationId: 'setInstrumentSource', summary: 'Chooses the one source allowed to publish the symbol from now on' })
  @ApiNoContentResponse({ description: 'Set' })
  @ApiErrors(...BODY_ERRORS, MarketErrorCode.InstrumentNotFound, MarketErrorCode.InvalidSource, { invalid: ['keyId must be a UUID'] })
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

  @Delete(':symbol')
  @HttpCode(204)
  @ApiOperation({ operationId: 'retireInstrument', summary: 'Retires the instrument: its streams end with InstrumentRetired' })
  @ApiNoContentResponse({ description: 'Retired' })
  @ApiErrors(MarketErrorCode.InstrumentNotFound)
  async retire(@Param('symbol') symbol: string): Promise<void> {
    if (!(await this.instruments.retire(symbol))) throw new MarketError(MarketErrorCode.InstrumentNotFound, `no live instrument ${symbol}`);
  }
}

function candleView(c: Candle): CandleViewDto {
  return {
    start: new Date(c.startUs / 1000).toISOString(), startTimeUs: c.startUs, open: c.open, high: c.high, low: c.low,
    close: c.close, volume: c.volume, count: c.count, closed: c.closed,
  };
}
