import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { safeIntegerColumn } from '../database/safe-integer.transformer';

@Entity({ name: 'instruments' })
export class InstrumentEntity {
  @PrimaryColumn({ type: 'varchar', length: 32, primaryKeyConstraintName: 'pk_instruments' })
  symbol!: string;

  @Column({ name: 'display_name', type: 'text' })
  displayName!: string;

  @Column({ name: 'price_scale', type: 'smallint' })
  priceScale!: number;

  @Column({ name: 'tick_size', type: 'bigint', transformer: safeIntegerColumn })
  tickSize!: number;

  @Column({ name: 'size_scale', type: 'smallint' })
  sizeScale!: number;

  @Column({ name: 'lot_size', type: 'bigint', transformer: safeIntegerColumn })
  lotSize!: number;

  @Column({ name: 'quote_currency', type: 'varchar', length: 12 })
  quoteCurrency!: string;

  @Column({ type: 'boolean', default: true })
  active!: boolean;

  /** `simulator` or `key:<api key id>` (see PriceSource). */
  @Column({ type: 'varchar', length: 64, default: 'simulator' })
  source!: string;

  @Column({ name: 'candle_source', type: 'varchar', length: 8, default: 'trades' })
  candleSource!: 'trades' | 'quotes';

  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
