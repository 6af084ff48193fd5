import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { ROOT } from './stack-file.js';

/** report_changes of stack/swarm/deploy-state.sh for two stack states (service_state lines). */
function report(before: string[], after: string[]): string[] {
  const script =
    'source stack/swarm/lib.sh && source stack/swarm/deploy-state.sh && report_changes "$1" "$2"';
  const out = execFileSync('bash', ['-c', script, 'report', before.join('\n'), after.join('\n')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return out.trim().split('\n');
}

const WEB = 'groundwork_web groundwork:v1 5 admin_password,mongo_password, 0 aaaa';
const REDIS = 'groundwork_redis redis:7.2 1 redis_password, 0 bbbb';

describe('stack/swarm/deploy-state.sh: what make up reports', () => {
  it('when nothing changed, then it says so in one line', () => {
    expect(report([WEB, REDIS], [WEB, REDIS])).to.deep.equal([
      'up: no image, replica count or secret changed',
    ]);
  });

  it('when the image, the replicas and a secret of web changed, then one line each names old and new', () => {
    const after = 'groundwork_web groundwork:v2 3 admin_password_v2,mongo_password, 9 cccc';
    expect(report([WEB, REDIS], [after, REDIS])).to.deep.equal([
      'up: groundwork_web image groundwork:v1 -> groundwork:v2',
      'up: groundwork_web replicas 5 -> 3',
      'up: groundwork_web secrets admin_password,mongo_password -> admin_password_v2,mongo_password',
    ]);
  });

  it('when only the task spec changed (the stack file or a config), then it names the service updated', () => {
    const after = REDIS.replace('bbbb', 'dddd');
    expect(report([WEB, REDIS], [WEB, after])).to.deep.equal([
      "up: groundwork_redis updated to the stack file's settings (rolling update)",
    ]);
  });

  it('when the stack did not exist, then each service is reported created', () => {
    expect(report([], [WEB])).to.deep.equal([
      'up: groundwork_web created (groundwork:v1, replicas 5)',
    ]);
  });
});
