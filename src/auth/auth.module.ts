import { forwardRef, Module } from '@nestjs/common';
import { AuctionModule } from '../auction/auction.module';
import { AdminKeysController } from './admin-keys.controller';
import { AdminGuard } from './admin.guard';
import { ApiKeysService } from './api-keys.service';
import { AuthService } from './auth.service';
import { SellerGuard } from './seller.guard';

@Module({
  imports: [forwardRef(() => AuctionModule)],
  controllers: [AdminKeysController],
  providers: [AuthService, ApiKeysService, AdminGuard, SellerGuard],
  exports: [AuthService, ApiKeysService, SellerGuard],
})
export class AuthModule {}
