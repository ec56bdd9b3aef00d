import { SERVICE_PORTS } from '@airis/config';
import type { ServiceDefinition } from '@airis/service';

/** Pull connector: LDAP/Active Directory, SIEM forwarding, ITSM. */
export const SERVICE: ServiceDefinition = {
  name: 'connector-enterprise',
  defaultPort: SERVICE_PORTS['connector-enterprise'],
};
