import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { RULE_KIND, RuleSpecDto, describeFieldErrors, validateContract } from '@airis/contracts';
import { ConfigStore } from '@airis/config-store';
import { counter, gauge } from '@airis/observability';
import { Evaluator } from '../domain/evaluator';

const rejected = counter('airis_router_rules_rejected_total', 'Rule resources that could not be loaded', []);
const loaded = gauge('airis_router_rules', 'Rules being evaluated', []);

/** Follows `rule` resources on airis.config.v1 into the evaluator: no restart for a rule change. */
@Injectable()
export class RuleConfig implements OnModuleInit {
  private readonly logger = new Logger(RuleConfig.name);

  constructor(
    private readonly config: ConfigStore,
    private readonly evaluator: Evaluator,
  ) {}

  onModuleInit(): void {
    this.config.watch(RULE_KIND, (change) => {
      if (change.type === 'delete') {
        this.evaluator.deleteRule(change.id);
      } else {
        const result = validateContract(RuleSpecDto, change.resource.spec);
        try {
          if (!result.ok) throw new Error(describeFieldErrors(result.errors));
          this.evaluator.setRule(change.id, change.resource.revision, result.value);
        } catch (error) {
          rejected.inc();
          // The previous revision keeps running: a typo must not silence a working rule.
          this.logger.error(
            `rule/${change.id} revision ${change.resource.revision} rejected: ${(error as Error).message}`,
          );
        }
      }
      loaded.set(this.evaluator.ruleCount());
    });
  }
}
