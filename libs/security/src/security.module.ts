import { Global, Module } from '@nestjs/common';
import { ServiceEnv } from '@airis/config';
import { AuditLog } from './audit-log';
import { SecretBox } from './secret-box';

/** SecretBox (from AIRIS_MASTER_KEY) and AuditLog for every service; part of the service root. */
@Global()
@Module({
  providers: [
    { provide: SecretBox, useFactory: (env: ServiceEnv) => SecretBox.fromEnv(env), inject: [ServiceEnv] },
    AuditLog,
  ],
  exports: [SecretBox, AuditLog],
})
export class SecurityModule {}
