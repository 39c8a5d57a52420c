// The part of the untyped `asterisk-manager` package (0.2.0, lib/ami.js) that bench/ami-session.ts uses.
declare module 'asterisk-manager' {
  /** An AMI message: header names lower-cased, repeated headers as arrays. */
  export type AmiMessage = Record<string, string | string[] | Record<string, string> | undefined>;
  export interface Manager {
    connect(port: number, host: string, callback: (err: Error | null) => void): void;
    login(callback: (err?: AmiMessage | Error) => void): void;
    action(fields: Record<string, string>, callback: (err: AmiMessage | undefined, res: AmiMessage) => void): string;
    disconnect(callback?: () => void): void;
    on(event: 'managerevent', listener: (event: AmiMessage) => void): void;
    on(event: 'error' | 'close', listener: (err?: Error) => void): void;
  }
  function createManager(port: number | undefined, host: string, username: string, password: string, events: boolean): Manager;
  export default createManager;
}
