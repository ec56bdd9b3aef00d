import { SERVICE_PORTS } from '@airis/config';
import type { ServiceDefinition } from '@airis/service';

/** Pull connector: OpenAI, Anthropic, Google Gemini, Ollama, Hugging Face. */
export const SERVICE: ServiceDefinition = {
  name: 'connector-ai-providers',
  defaultPort: SERVICE_PORTS['connector-ai-providers'],
};
