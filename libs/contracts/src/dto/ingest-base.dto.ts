import { IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { LIMITS } from './validators';

/** What both ingest bodies (metric batch and event) carry besides their payload. */
export abstract class IngestRecordDto {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(LIMITS.id)
  @JSONSchema({ description: 'Optional producer-chosen id; used to deduplicate retries.' })
  id?: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(LIMITS.timestampMs)
  @JSONSchema({ description: 'Unix timestamp in milliseconds; receipt time when absent.' })
  timestamp?: number;

  @IsString()
  @IsNotEmpty()
  @MaxLength(LIMITS.source)
  @JSONSchema({ description: 'Source system identifier; the Kafka record key.' })
  source!: string;
}
