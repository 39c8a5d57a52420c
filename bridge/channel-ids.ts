// Asterisk's channel ids begin with its `systemname` (asterisk.conf): `<systemname>-<epoch>.<seq>`.
// Several Asterisks, each with its own bridge process, may share one database; a process touches
// only legs whose channel id is one of its own Asterisk's. A plain prefix test is not enough:
// `main-2-1764622345.12` starts with `main-` but belongs to systemname `main-2`.

/** True for channel ids made by the Asterisk whose systemname is `systemName`. */
export function channelsOfSystem(systemName: string): (channelId: string) => boolean {
  const pattern = new RegExp(`^${systemName.replace(/[^A-Za-z0-9_]/g, '\\$&')}-\\d+\\.\\d+$`);
  return (channelId) => pattern.test(channelId);
}
