// Domain errors: a stable `code` (the CLI's --json and the HTTP API return it) and a message
// that says what went wrong and what to do. Expected failures never surface as raw SQL errors.
export class DomainError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = code;
  }
}

const make = (code: string) =>
  class extends DomainError {
    constructor(message: string) {
      super(code, message);
    }
  };

export const AccountNotFound = make('AccountNotFound');
export const AccountDeactivated = make('AccountDeactivated');
export const EmailTaken = make('EmailTaken');
export const InvalidEmail = make('InvalidEmail');
export const InvalidName = make('InvalidName');
export const InvalidPassword = make('InvalidPassword');
export const RoomNotFound = make('RoomNotFound');
export const InvalidRoomNumber = make('InvalidRoomNumber');
export const RoomNumberPermanent = make('RoomNumberPermanent');
export const InvalidPin = make('InvalidPin');
/** For callers that need an error where verifyPin answers 'invalid': the room's PINs are not set. */
export const PinsNotSet = make('PinsNotSet');
export const InvalidRoomSettings = make('InvalidRoomSettings');
export const InvalidPhoneNumber = make('InvalidPhoneNumber');
export const NumberNotFound = make('NumberNotFound');
export const NumberExists = make('NumberExists');
export const NumberNotAvailable = make('NumberNotAvailable');
export const AlreadySubscribed = make('AlreadySubscribed');
export const NotSubscribed = make('NotSubscribed');
/** An account reached a subscription limit (numbers held at once, or new subscriptions in 24 h). */
export const SubscriptionLimit = make('SubscriptionLimit');
/** SQLite: another process kept the database locked longer than the bounded wait. */
export const DatabaseBusy = make('DatabaseBusy');
export const InvalidRate = make('InvalidRate');
export const InvalidMoney = make('InvalidMoney');
export const InvalidPeriod = make('InvalidPeriod');
export const LegNotFound = make('LegNotFound');
/** A closed leg was asked to change (closed legs never change; correct with an adjustment). */
export const LegClosed = make('LegClosed');
export const ApiKeyNotFound = make('ApiKeyNotFound');
/** Password hashing is at its bound (workers busy, queue full): try again shortly. */
export const HashingBusy = make('HashingBusy');
export const InvalidDate = make('InvalidDate');
export const TooManyApiKeys = make('TooManyApiKeys');
export const InvalidLabel = make('InvalidLabel');
export const NotAnOrganization = make('NotAnOrganization');
/** The account is not (or never was) a member of that organization. */
export const NotAMember = make('NotAMember');
export const AlreadyMember = make('AlreadyMember');
export const InvalidJoinCode = make('InvalidJoinCode');
/** A personal account's room is its owner's only: an organization account has none. */
export const NoRoom = make('NoRoom');
export const LinkInvalid = make('LinkInvalid');
