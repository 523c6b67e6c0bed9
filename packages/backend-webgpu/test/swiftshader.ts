/**
 * Without a GPU, Dawn (Node) needs a Vulkan driver: SwiftShader's, as Debian's chromium ships it.
 * Set before the backend starts its GPU worker (the Vulkan loader reads the process environment).
 */
import { existsSync } from 'node:fs';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export function useSwiftShader(): void {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}
