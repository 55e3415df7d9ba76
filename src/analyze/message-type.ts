/** A message type: code, name, level and template; `A` types its arguments, in the template's order. */
export const LEVELS = ['Info', 'Warning', 'Error'] as const;
export type Level = (typeof LEVELS)[number];

export type MessageArg = string | number | string[] | number[];

export interface MessageType<A extends MessageArg[] = MessageArg[]> {
  code: string;
  name: string;
  level: Level;
  /** Go-style template: %s, %v, %d, %q placeholders filled in order, %% for a percent sign. */
  template: string;
  /** Phantom field: carries the argument types, never set. */
  readonly args?: A;
}

export function messageType<A extends MessageArg[]>(code: string, name: string, level: Level, template: string): MessageType<A> {
  return { code, name, level, template };
}
