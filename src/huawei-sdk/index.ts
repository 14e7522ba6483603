/**
 * Polls with an official Huawei Cloud SDK client (`@huaweicloud/huaweicloud-sdk-*`)
 * instead of this package's `EvsClient`. The SDK stays your dependency: nothing
 * here imports it, and the main entry point never loads this one.
 * @module evs-job-watcher/huawei-sdk
 */

export { fromHuaweiSdk } from './from-huawei-sdk.js';
export type { FromHuaweiSdkOptions, HuaweiSdkClient, ShowJobRequestLike } from './options.js';
