/**
 * Typed errors of the toolkit. Every error says what was expected and what was
 * received, and names the file or the argument at fault where there is one.
 */

/** Base class of every error this package throws on purpose. */
export class DmclError extends Error {
  override name = 'DmclError';

  /** True for any error of this package, also across realms (workers, iframes). */
  get isDmclError(): true {
    return true;
  }
}

/** A file, buffer or argument the user gave is not what it should be. */
export class InvalidInputError extends DmclError {
  override name = 'InvalidInputError';
}

/** A data file (image, `.pts`, list, manifest, CSV) is missing, unreadable or malformed. */
export class DataFormatError extends DmclError {
  override name = 'DataFormatError';

  /**
   * @param file the path of the file at fault
   * @param problem what was expected and what was found
   */
  constructor(
    readonly file: string,
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`${file}: ${problem}`, options);
  }
}

/** A model or parameter file is damaged, of another format version or another scheme. */
export class ModelFormatError extends DmclError {
  override name = 'ModelFormatError';
}

/** A setting (config file, CLI flag, option object) is out of its allowed range. */
export class ConfigError extends DmclError {
  override name = 'ConfigError';
}

/** Type guard for errors of this package. */
export function isDmclError(error: unknown): error is DmclError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { isDmclError?: unknown }).isDmclError === true
  );
}
