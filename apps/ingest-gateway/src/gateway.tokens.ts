/** The gateway's validated settings (GatewayEnv). */
export const GATEWAY_ENV = Symbol('GATEWAY_ENV');
