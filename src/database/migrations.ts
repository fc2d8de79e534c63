import { CreateInstruments1795386468840 } from '../../migrations/1795386468840-CreateInstruments';
import { CreateAuctions1795388000000 } from '../../migrations/1795388000000-CreateAuctions';
import { CreateApiKeys1795390241169 } from '../../migrations/1795390241169-CreateApiKeys';
import { CreateBidDecisions1796126400000 } from '../../migrations/1796126400000-CreateBidDecisions';
import { AddPublishersAndCandles1796212800000 } from '../../migrations/1796212800000-AddPublishersAndCandles';

/** Every migration, oldest first. Listed explicitly so builds and tests run the same set. */
export const MIGRATIONS = [CreateInstruments1795386468840, CreateAuctions1795388000000, CreateApiKeys1795390241169, CreateBidDecisions1796126400000,
  AddPublishersAndCandles1796212800000];
