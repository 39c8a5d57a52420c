// pdfjs-dist 6 is written for Node 22 and later and calls Promise.withResolvers (ES2024), which
// Node 20 (the project's CI) lacks: the same thing in a few lines, for the tests only.
if (!Reflect.has(Promise, 'withResolvers')) {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolve: (value: T) => void = () => undefined;
      let reject: (reason: unknown) => void = () => undefined;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}
