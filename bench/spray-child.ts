// Child entry for the spray bench: `spray-child.ts <accounts> <timeLimitSec>`, run with --expose-gc.
import { childLifetimeGuard } from './proc';
import { measureSpray } from './spray';

childLifetimeGuard();
const [accountsArg = '100000', limitArg = '120'] = process.argv.slice(2);
measureSpray(Number(accountsArg), Number(limitArg))
  .then((result) => process.send?.({ type: 'result', result }, () => process.exit(0)))
  .catch((err: unknown) => {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.send?.({ type: 'error', message }, () => process.exit(1));
  });
