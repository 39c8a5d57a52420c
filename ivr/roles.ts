// The two roles a PIN grants in a room. Here, at the bottom, because the in-call key map
// (in-call-keys.ts) depends on them; flows/ports.ts passes the type on to the machines.

export type Role = 'moderator' | 'participant';
