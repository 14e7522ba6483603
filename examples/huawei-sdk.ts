import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { EcsClient } from '@huaweicloud/huaweicloud-sdk-ecs';
import { JobWatcher, type Job } from 'evs-job-watcher';
import { fromHuaweiSdk } from 'evs-job-watcher/huawei-sdk';

/** The official SDK client you already create volumes with. */
export function createEcsClient(endpoint: string, projectId: string, ak: string, sk: string): EcsClient {
  const credentials = new BasicCredentials().withAk(ak).withSk(sk).withProjectId(projectId);
  return EcsClient.newBuilder().withCredential(credentials).withEndpoint(endpoint).build();
}

/** Waits for a job the SDK started, polling through that same client. */
export async function waitWithSdk(ecs: EcsClient, jobId: string): Promise<Job> {
  await using watcher = new JobWatcher({ client: fromHuaweiSdk(ecs) });
  const job = await watcher.watch(jobId, { timeout: 600_000, throwOnFail: true });
  return job;
}
