import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { CallbackManager, Callbacks } from "@langchain/core/callbacks/manager";

/** `callbacks` (a handler list or a manager, which may carry a parent run) with one more inheritable handler. */
export function withCallbackHandler(callbacks: Callbacks | undefined, handler: BaseCallbackHandler): Callbacks {
  if (!callbacks) return [handler];
  if (Array.isArray(callbacks)) return [...callbacks, handler];
  return (callbacks as CallbackManager).copy([handler]);
}

/** Whether `callbacks` already holds a handler named `name`. */
export function hasCallbackHandler(callbacks: Callbacks | undefined, name: string): boolean {
  if (!callbacks) return false;
  const handlers = Array.isArray(callbacks) ? callbacks : (callbacks as CallbackManager).handlers;
  return handlers.some((handler) => (handler as BaseCallbackHandler | undefined)?.name === name);
}
