/** The parts of a platform a `from-args` template can use. */
export interface TemplatePlatform {
  os: string;
  architecture: string;
  variant?: string;
}

const PLACEHOLDER = /OS|ARCH|VARIANT/g;

/** True when the template has at least one of the placeholders `OS`, `ARCH`, `VARIANT`. */
export function hasPlaceholder(template: string): boolean {
  return /OS|ARCH|VARIANT/.test(template);
}

/**
 * Expands a `push from-args` image template for one platform, as manifest-tool does: `OS` becomes
 * the os, `ARCH` the architecture and `VARIANT` the variant, or nothing when the platform has
 * none. `reg/app:1.0-OS-ARCHVARIANT` gives `reg/app:1.0-linux-armv7` for linux/arm/v7 and
 * `reg/app:1.0-linux-amd64` for linux/amd64.
 *
 * Every occurrence is replaced, in one pass, so values are never themselves rewritten (manifest-tool
 * replaces only the first occurrence of each placeholder; templates with one of each behave the same).
 */
export function expandTemplate(template: string, platform: TemplatePlatform): string {
  return template.replace(PLACEHOLDER, (placeholder) => {
    if (placeholder === 'OS') return platform.os;
    if (placeholder === 'ARCH') return platform.architecture;
    return platform.variant ?? '';
  });
}
