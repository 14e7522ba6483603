/** A made-up key pair the simulator is told to accept; every client signs with it. */
export const ACCESS_KEY = 'BENCHMARKACCESSKEY01';
export const SECRET_KEY = 'benchmark-secret-key-not-a-real-one-0000';
