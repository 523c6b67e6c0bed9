/** A storage-only backend (no kernels) for tests of code that only stores and reads tensors, like checkpoints. */
import { registerBackend, setBackend, type Backend, type DataId, type TypedArray } from '@tapeflow/core';

export async function useStorageBackend(name = 'io-test'): Promise<void> {
  const store = new Map<DataId, TypedArray>();
  let nextId = 0;
  const backend = {
    name,
    kernels: {},
    supportsDType: () => true,
    write: (values: TypedArray) => {
      const id = { id: nextId++ } as unknown as DataId;
      store.set(id, values.slice());
      return id;
    },
    readSync: (info: { dataId: DataId }) => store.get(info.dataId)!.slice(),
    read: (info: { dataId: DataId }) => Promise.resolve(store.get(info.dataId)!.slice()),
    disposeData: (id: DataId) => {
      store.delete(id);
    },
  } as unknown as Backend;
  registerBackend(name, () => backend);
  await setBackend(name);
}
