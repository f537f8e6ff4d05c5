import { Module, type DynamicModule } from '@nestjs/common';
import { PropelAuthModule, type PropelAuthModuleOptions } from 'propelauth-nestjs';
import { ApiController } from './api.controller';
import { BackendController } from './backend.controller';

@Module({})
export class AppModule {
  static forRoot(propelAuth: PropelAuthModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [PropelAuthModule.forRoot(propelAuth)],
      controllers: [ApiController, BackendController],
    };
  }
}
