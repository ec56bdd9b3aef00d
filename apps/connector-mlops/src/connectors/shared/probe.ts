import {
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
  ArrayMinSize,
  ArrayMaxSize,
  IsArray,
  IsNotEmpty,
} from 'class-validator';
import { Type } from 'class-transformer';
import { IsPlainObject } from '@airis/contracts';

/** One model to watch on a model server; `probe` is the request body of a timed inference. */
export class ModelTarget {
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  @Matches(/^[^/?#]+$/, { message: 'name must not contain / ? or #' })
  name!: string;

  /** A fixed version; the server's default (latest) when unset. */
  @IsOptional()
  @IsString()
  @Matches(/^[\w.-]{1,64}$/, { message: 'version must be letters, digits, ".", "_" or "-"' })
  version?: string;

  /** Request body of a predict/infer call, in the server's own format; no probe when unset. */
  @IsOptional()
  @IsPlainObject()
  probe?: Record<string, unknown>;
}

export function modelTargets(): PropertyDecorator {
  const decorators = [
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(200),
    ValidateNested({ each: true }),
    Type(() => ModelTarget),
  ];
  return (target: object, key: string | symbol) => {
    for (const d of decorators) d(target, key);
  };
}

/** Per-key change counters, so a state that flips back and forth gets a new event id each time. */
export interface StateCheckpoint {
  states: Record<string, { state: string; gen: number }>;
  run: number;
}

export function emptyStateCheckpoint(): StateCheckpoint {
  return { states: {}, run: 0 };
}

/** Records `state` for `key`; returns the new generation when it changed, undefined when not. */
export function changeOf(cp: StateCheckpoint, key: string, state: string): number | undefined {
  const before = cp.states[key];
  if (before?.state === state) return undefined;
  const gen = (before?.gen ?? 0) + 1;
  cp.states[key] = { state, gen };
  return gen;
}
