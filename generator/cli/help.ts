import { formatMarkdownish, type ColorFormat, type Usage } from 'clipanion';
import { byKeys, compareCodePoints } from '../pipeline/order.js';

/**
 * The help of the commands. Clipanion's own shows an option's value as `#0`, no defaults, and a
 * usage line without the options a command needs; this one shows `--input DIR`, `(default: ...)`
 * and `spacktainers plan --input DIR [options]`, from the option definitions clipanion keeps.
 */

/**
 * What each option's value is, named once for every command: an option means one thing
 * wherever it is taken (docs/architecture.md, names). The help test checks every option of every
 * command has its name here.
 */
export const VALUE_NAMES: Readonly<Record<string, string>> = {
  '--arch': 'ARCH',
  '--bridge': 'JOB',
  '--bucket': 'BUCKET',
  '--cache': 'KIND',
  '--child-links': 'LINKS',
  '--definitions': 'DIR',
  '--durations': 'FILE',
  '--endpoint': 'URL',
  '--env': 'PATH',
  '--examples': 'DIR',
  '--executables': 'FILE',
  '--file': 'FILE',
  '--generated': 'DIR',
  '--grace-hours': 'HOURS',
  '--input': 'DIR',
  '--job': 'JOB',
  '--key': 'KEY',
  '--lock-digest': 'DIGEST',
  '--log': 'FILE',
  '--match': 'REGEX',
  '--max-age-days': 'DAYS',
  '--max-delete-fraction': 'FRACTION',
  '--max-needs': 'COUNT',
  '--max-yaml-bytes': 'BYTES',
  '--metadata': 'KEY=VALUE',
  '--name': 'NAME',
  '--output': 'DIR',
  '--package': 'NAME[@VERSION]',
  '--pipeline': 'ID',
  '--pipelines': 'COUNT',
  '--prefix': 'PREFIX',
  '--producer': 'CHILD',
  '--ref': 'BRANCH',
  '--project': 'DIR',
  '--registry-url': 'URL',
  '--report': 'FILE',
  '--settings': 'FILE',
  '--sif-key': 'KEY',
  '--spec-key': 'KEY',
  '--timeout-minutes': 'MINUTES',
  '--version': 'VERSION',
};

/** One option as the help shows it. */
export interface OptionHelp {
  names: string[];
  /** Whether it takes a value (`--input DIR`) or is a switch (`--offline`). */
  takesValue: boolean;
  description: string;
  required: boolean;
  /** Its value when not given, as typed on the command line; undefined when there is none to show. */
  defaultValue: string | undefined;
}

/** One command as the help shows it. */
export interface CommandHelp {
  path: string[];
  options: OptionHelp[];
  /** Positional arguments, `<name>` when required and `[name]` when not. */
  positionals: string[];
  usage: Usage;
}

/** `--input DIR`, or `--offline` for a switch. */
function definition(option: OptionHelp): string {
  const name = option.names.join(',');
  return option.takesValue ? `${name} ${VALUE_NAMES[option.names[0]!] ?? 'VALUE'}` : name;
}

/** The options a command needs that `input` (the command line) does not give, as the usage line shows them. */
export function missingOptions(command: CommandHelp, input: string[]): string[] {
  const given = (name: string) => input.some((arg) => arg === name || arg.startsWith(`${name}=`));
  return command.options.filter((option) => option.required && !option.names.some(given)).map(definition);
}

/** `spacktainers plan --input DIR [options]`: the options a command cannot run without, the rest summed up. */
export function usageLine(binary: string, command: CommandHelp): string {
  const required = command.options.filter((option) => option.required).map(definition);
  const optional = command.options.some((option) => !option.required) ? ['[options]'] : [];
  return [binary, ...command.path, ...required, ...optional, ...command.positionals].join(' ');
}

function optionDescription(option: OptionHelp): string {
  const notes = [option.required ? 'required' : undefined, option.defaultValue === undefined ? undefined : `default: ${option.defaultValue}`].filter(Boolean);
  return [option.description, ...notes.map((note) => `(${note})`)].filter(Boolean).join(' ');
}

/** A command's whole help: what it does, its usage line, every option with its value and default, details and examples. */
export function commandHelp(binary: string, command: CommandHelp, format: ColorFormat): string {
  const { description = '', details = '', examples = [] } = command.usage;
  const markdown = (text: string, paragraphs: boolean) => formatMarkdownish(text, { format, paragraphs });
  const sections = [markdown(description, false), `${format.header('Usage')}\n\n${format.bold('$ ')}${usageLine(binary, command)}\n`];
  if (command.options.length > 0) {
    const definitions = command.options.map(definition);
    const width = Math.max(...definitions.map((text) => text.length));
    const lines = command.options.map(
      (option, index) => `  ${format.bold(definitions[index]!.padEnd(width))}    ${markdown(optionDescription(option), false)}`,
    );
    sections.push(`${format.header('Options')}\n\n${lines.join('')}`);
  }
  if (details !== '') sections.push(`${format.header('Details')}\n\n${markdown(details, true)}`);
  if (examples.length > 0) {
    const shown = examples.map(([label, example]) => `${markdown(label, false)}  ${format.bold('$ ')}${example.replace(/\$0/g, binary)}\n`);
    sections.push(`${format.header('Examples')}\n\n${shown.join('\n')}`);
  }
  return sections.join('\n');
}

/** The heading of the commands of no category. */
const GENERAL = 'General commands';

/** The list of every command, by category, each with its usage line and what it does. */
export function commandList(binary: string, heading: string, commands: CommandHelp[], format: ColorFormat): string {
  const categories = new Map<string, CommandHelp[]>();
  for (const command of [...commands].sort(byKeys((command) => command.path.join(' ')))) {
    const category = command.usage.category ?? GENERAL;
    categories.set(category, [...(categories.get(category) ?? []), command]);
  }
  const order = [...categories.keys()].sort((a, b) => Number(b === GENERAL) - Number(a === GENERAL) || compareCodePoints(a, b));
  const sections = order.map((category) => {
    const entries = categories.get(category)!.map((command) => `\n  ${format.bold(usageLine(binary, command))}\n    ${command.usage.description ?? ''}\n`);
    return `${format.header(category)}\n${entries.join('')}`;
  });
  const footer = `Run a command with --help (spacktainers plan --help) for its options, defaults and examples.\n`;
  return [`${format.header(heading)}\n\n  ${format.bold('$ ')}${binary} <command>\n`, ...sections, footer].join('\n');
}
