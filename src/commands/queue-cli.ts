/** `mreorg queue ACTION`: dispatch and printing (the work is queue.ts's). */
import { UserError } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';
import { formatAdd, formatCancel, formatList, queueAdd, queueCancel, queueList, type QueueOptions } from './queue.js';

const ACTIONS = ['add', 'list', 'cancel', 'clear'];

export async function queueCommand(cwd: string, action: string, opts: QueueOptions, json: boolean): Promise<number> {
  const print = (doc: unknown, text: string): void => {
    process.stdout.write(json ? JSON.stringify(doc, null, 2) + '\n' : text);
  };
  switch (action) {
    case 'add': {
      const res = await queueAdd(cwd, opts);
      print(res, formatAdd(res));
      return 0;
    }
    case 'list': {
      if (opts.paths?.length) throw new UserError('"mreorg queue list" takes no paths.');
      const items = await queueList(cwd, opts);
      print({ entries: items }, formatList(items));
      return 0;
    }
    case 'cancel':
    case 'clear': {
      if (action === 'clear' && opts.paths?.length) throw new UserError('"mreorg queue clear" takes no paths ("mreorg queue cancel PATHS" takes some off).');
      const res = await queueCancel(cwd, { ...opts, all: action === 'clear' });
      print(res, formatCancel(res));
      return 0;
    }
    default: {
      const near = didYouMean(action, ACTIONS);
      throw new UserError(`Unknown queue action "${action}"${near ? `. Did you mean "${near}"?` : ''} (one of ${ACTIONS.join(', ')}).`);
    }
  }
}
