/**
 * Help text that fits the terminal: descriptions are written as prose with line breaks for the source's sake;
 * those breaks are joined (a paragraph stays a paragraph, a list item a line) and commander wraps the result to
 * the terminal's width, so no sentence breaks at column 115 of an 80-column terminal.
 */
import { Help, type Command } from 'commander';

/** Joins the lines of each paragraph; blank lines, list items ("- ", "* ", "1. ") and indented lines stay. */
export function unwrapProse(text: string): string {
  return text.replace(/([^\n])\n(?![\s\-*•]|\d+[.)] )/g, '$1 ');
}

/** Has `cmd` list its subcommands by name and wrap its help's prose to the terminal (kept by its subcommands through commander's settings copy). */
export function wrapHelpToTerminal(cmd: Command): void {
  cmd.configureHelp({
    ...cmd.configureHelp(),
    // the command list names the commands (as kubectl's and istioctl's do): its arguments are in each one's help,
    // and a column of usages leaves the descriptions no room to wrap in
    subcommandTerm: (sub: Command): string => sub.name(),
    boxWrap(this: Help, str: string, width: number): string {
      return Help.prototype.boxWrap.call(this, unwrapProse(str), width);
    },
  });
}
