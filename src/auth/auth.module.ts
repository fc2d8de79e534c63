import { Module } from '@nestjs/common';
import { AuctionModule } from '../auction/auction.module';
import { AdminKeysController } from './admin-keys.controller';
import { AdminGuard } from './admin.guard';
import { ApiKeysService } from './api-keys.service';
import { AuthService } from './auth.service';

@Module({
  imports: [AuctionModule],
  controllers: [AdminKeysController],
  providers: [AuthService, ApiKeysService, AdminGuard],
  exports: [AuthService, ApiKeysService],
})
export class AuthModule {}
