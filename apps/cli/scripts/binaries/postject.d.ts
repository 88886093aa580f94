// postject ships no types: the one function the build calls.
declare module "postject" {
  interface InjectOptions {
    sentinelFuse?: string;
    machoSegmentName?: string;
    overwrite?: boolean;
  }
  const postject: {
    inject(
      file: string,
      resourceName: string,
      resource: Buffer,
      options?: InjectOptions,
    ): Promise<void>;
  };
  export default postject;
}
