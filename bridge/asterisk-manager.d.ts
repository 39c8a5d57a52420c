// The part of asterisk-manager 0.2 (no published types) that bridge/ami-session.ts and bench/ami-session.ts use.
declare module 'asterisk-manager' {
  export type AmiMessage = Record<string, string | string[] | Record<string, string> | undefined>;
  export interface Manager {
    on(event: 'managerevent', listener: (event: AmiMessage) => void): void;
    on(event: 'connect' | 'close' | 'end', listener: () => void): void;
    on(event: 'error', listener: (err: Error) => void): void;
    on(event: string, listener: (...args: unknown[]) => void): void;
    removeAllListeners(event?: string): void;
    connect(port: number, host: string, callback: (err: Error | null) => void): void;
    login(callback: (err: AmiMessage | undefined) => void): void;
    action(action: Record<string, string>, callback: (err: AmiMessage | undefined, response: AmiMessage) => void): string;
    disconnect(callback?: () => void): void;
    isConnected(): boolean;
  }
  function AsteriskManager(port: number | undefined, host: string, username: string, password: string, events: boolean): Manager;
  export default AsteriskManager;
}
