import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { IngestRecordDto } from './ingest-base.dto';
import { IsStringRecord, LIMITS } from './validators';

/** One sample, exactly the seed's `metrics[]` item: `{name, value, unit, tags}`. */
export class MetricDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(LIMITS.name)
  name!: string;

  @IsNumber({ allowNaN: false, allowInfinity: false })
  value!: number;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  unit?: string;

  @IsOptional()
  @IsStringRecord()
  tags?: Record<string, string>;
}

/**
 * Body of `POST /api/v1/metrics/ingest` and the value of a record on `airis.metrics.v1`:
 * an external producer writes the same JSON an HTTP client posts.
 */
@JSONSchema({
  title: 'MetricBatch',
  description: 'A batch of metric samples from one source (airis.metrics.v1, POST /api/v1/metrics/ingest).',
})
export class MetricBatchDto extends IngestRecordDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LIMITS.metricsPerBatch)
  @ValidateNested({ each: true })
  @Type(() => MetricDto)
  metrics!: MetricDto[];
}
