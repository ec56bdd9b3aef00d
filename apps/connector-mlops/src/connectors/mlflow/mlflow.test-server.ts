import { type JsonServer, startJsonServer } from '../shared/json-server';

/**
 * A stand-in MLflow tracking server answering the REST API 2.0 endpoints the connector uses,
 * with the documented shapes (MLflow REST API reference, 3.x:
 * https://mlflow.org/docs/latest/api_reference/rest-api.html — SearchRegisteredModels,
 * SearchModelVersions, GetExperimentByName, SearchRuns). For unit-level conformance; the
 * acceptance int-spec runs against a real MLflow server.
 */
export interface FakeMlflowState {
  models: {
    name: string;
    creation_timestamp: number;
    last_updated_timestamp: number;
    aliases: { alias: string; version: string }[];
  }[];
  versions: {
    name: string;
    version: string;
    creation_timestamp: number;
    last_updated_timestamp: number;
    current_stage: string;
    status: string;
    run_id: string;
    tags?: { key: string; value: string }[];
  }[];
  experiments: { experiment_id: string; name: string }[];
  runs: {
    info: {
      run_id: string;
      run_name: string;
      experiment_id: string;
      status: string;
      start_time: number;
      end_time: number;
    };
    data: { metrics: { key: string; value: number; timestamp: number; step: number }[] };
  }[];
}

export function sampleMlflowState(): FakeMlflowState {
  return {
    models: [
      {
        name: 'churn',
        creation_timestamp: 1000,
        last_updated_timestamp: 3000,
        aliases: [{ alias: 'champion', version: '1' }],
      },
    ],
    versions: [
      {
        name: 'churn',
        version: '1',
        creation_timestamp: 1000,
        last_updated_timestamp: 2000,
        current_stage: 'Production',
        status: 'READY',
        run_id: 'r1',
        tags: [{ key: 'team', value: 'risk' }],
      },
      {
        name: 'churn',
        version: '2',
        creation_timestamp: 3000,
        last_updated_timestamp: 3000,
        current_stage: 'None',
        status: 'READY',
        run_id: 'r2',
      },
    ],
    experiments: [{ experiment_id: '7', name: 'churn-training' }],
    runs: [
      {
        info: {
          run_id: 'r1',
          run_name: 'baseline',
          experiment_id: '7',
          status: 'FINISHED',
          start_time: 1000,
          end_time: 61_000,
        },
        data: {
          metrics: [
            { key: 'accuracy', value: 0.91, timestamp: 60_000, step: 3 },
            { key: 'loss', value: 0.2, timestamp: 60_000, step: 3 },
          ],
        },
      },
    ],
  };
}

export function startFakeMlflow(state: FakeMlflowState, options: { token?: string } = {}): Promise<JsonServer> {
  const err = (status: number, code: string, message: string) => ({ status, body: { error_code: code, message } });
  return startJsonServer((req) => {
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      return err(401, 'UNAUTHENTICATED', 'Credential was not sent or was of an unsupported type');
    }
    const base = '/api/2.0/mlflow/';
    const path = req.path.startsWith(base) ? req.path.slice(base.length) : req.path;
    const nameFilter = /^name = '(.*)'$/.exec(req.query.get('filter') ?? '')?.[1];
    switch (`${req.method} ${path}`) {
      case 'GET registered-models/search':
        return {
          status: 200,
          body: { registered_models: state.models.filter((m) => !nameFilter || m.name === nameFilter) },
        };
      case 'GET model-versions/search': {
        const desc = req.query.getAll('order_by').includes('last_updated_timestamp DESC');
        const list = state.versions
          .filter((v) => !nameFilter || v.name === nameFilter)
          .sort((a, b) => (desc ? -1 : 1) * (a.last_updated_timestamp - b.last_updated_timestamp));
        return { status: 200, body: { model_versions: list } };
      }
      case 'GET experiments/get-by-name': {
        const exp = state.experiments.find((e) => e.name === req.query.get('experiment_name'));
        return exp
          ? { status: 200, body: { experiment: exp } }
          : err(404, 'RESOURCE_DOES_NOT_EXIST', 'Could not find experiment');
      }
      case 'POST runs/search': {
        const body = req.body as { experiment_ids: string[]; filter?: string };
        const min = Number(/end_time >= (\d+)/.exec(body.filter ?? '')?.[1] ?? 0);
        const runs = state.runs
          .filter(
            (r) =>
              body.experiment_ids.includes(r.info.experiment_id) &&
              r.info.status === 'FINISHED' &&
              r.info.end_time >= min,
          )
          .sort((a, b) => a.info.end_time - b.info.end_time);
        return { status: 200, body: { runs } };
      }
      default:
        return err(404, 'ENDPOINT_NOT_FOUND', `no ${req.method} ${req.path}`);
    }
  });
}
