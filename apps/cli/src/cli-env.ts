import { IsString, Matches } from 'class-validator';

/** What the CLI reads from the environment (same names as the services). */
export class CliEnv {
  @Matches(/^[\w.-]+:\d{1,5}(,[\w.-]+:\d{1,5})*$/, { message: 'KAFKA_BROKERS must be host:port[,host:port...]' })
  KAFKA_BROKERS: string = '127.0.0.1:9092';

  @Matches(/^[a-zA-Z0-9._-]{0,100}$/, { message: 'AIRIS_TOPIC_NAMESPACE may only hold letters, digits, ".", "_", "-"' })
  AIRIS_TOPIC_NAMESPACE: string = '';

  @IsString()
  AIRIS_HOST: string = '127.0.0.1';
}
